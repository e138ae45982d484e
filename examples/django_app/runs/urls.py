"""URLs of the ``runs`` app."""

from django.urls import path

from . import views

urlpatterns = [
    path("squares", views.create_square, name="create-square"),
    path("squares/<int:pk>", views.square_status, name="square-status"),
    path("runs", views.start_run, name="start-run"),
    path("runs/<str:run_id>", views.run_status, name="run-status"),
]
