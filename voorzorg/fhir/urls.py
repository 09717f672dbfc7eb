"""URLs of the FHIR API, mounted at ``/fhir/``: read and search per resource type, and
the writes (``writes``) on the same URLs: PUT/PATCH on a Task, POST on EpisodeOfCare."""

from __future__ import annotations

from django.urls import URLPattern, path, re_path

from .resource_types import RESOURCE_TYPES
from .views import MetadataView, PatientHandoverView, ReadView, SearchView, UnknownView
from .writes import EpisodeOfCareView, TaskView

# The types with writes: their search or read view takes them too (same URL names).
SEARCH_VIEWS = {"EpisodeOfCare": EpisodeOfCareView}
READ_VIEWS = {"Task": TaskView}

app_name = "fhir"


def _resource_urls() -> list[URLPattern]:
    urls = []
    for name, resource_type in RESOURCE_TYPES.items():
        urls += [
            path(
                name,
                SEARCH_VIEWS.get(name, SearchView).as_view(resource_type=resource_type),
                name=f"{name}-search",
            ),
            path(
                f"{name}/<str:logical_id>",
                READ_VIEWS.get(name, ReadView).as_view(resource_type=resource_type),
                name=f"{name}-read",
            ),
        ]
    return urls


urlpatterns = [
    path("metadata", MetadataView.as_view(), name="metadata"),
    # An instance-level operation; path() escapes the "$", so it is matched literally.
    path("Patient/<str:logical_id>/$handover", PatientHandoverView.as_view(), name="handover"),
    *_resource_urls(),
    re_path(r"^(?P<rest>.*)$", UnknownView.as_view(), name="unknown"),
]
