from __future__ import annotations

from .dashboard import comparison
from .dashboard import views as dashboard
from .views import imports, jobs

app_name = "monitoring"

urlpatterns = [
    *dashboard.urlpatterns,
    *comparison.urlpatterns,
    *imports.urlpatterns,
    *jobs.urlpatterns,
]
