from __future__ import annotations

from .dashboard import comparison, report
from .dashboard import views as dashboard
from .views import imports, jobs

app_name = "monitoring"

urlpatterns = [
    *dashboard.urlpatterns,
    *comparison.urlpatterns,
    *report.urlpatterns,
    *imports.urlpatterns,
    *jobs.urlpatterns,
]
