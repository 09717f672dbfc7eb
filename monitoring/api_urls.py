"""URLs of the monitoring REST API, mounted at ``/api/v1/``."""

from __future__ import annotations

from django.urls import path

from .api import IndicatorListApi
from .forecasting.api import ForecastListApi

app_name = "monitoring_api"

urlpatterns = [
    path("indicators/", IndicatorListApi.as_view(), name="indicators"),
    path("forecasts/", ForecastListApi.as_view(), name="forecasts"),
]
