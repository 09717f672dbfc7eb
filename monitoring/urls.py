from __future__ import annotations

from .views import dashboard, imports

app_name = "monitoring"

urlpatterns = [
    *dashboard.urlpatterns,
    *imports.urlpatterns,
]
