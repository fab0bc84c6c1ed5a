from django.urls import path

from complaints import record_views, views

app_name = "complaints"

urlpatterns = [
    path("complaints/", views.complaint_list, name="list"),
    path("complaints/new/", views.complaint_new, name="new"),
    # One-step referral (policy P10): a complaint about a request, complainant and child filled in.
    path(
        "complaints/from-access-request/<id:pk>/",
        views.complaint_from_access_request,
        name="from_access_request",
    ),
    path(
        "complaints/from-rectification/<id:pk>/",
        views.complaint_from_rectification,
        name="from_rectification",
    ),
    # The inspector-ready record (EYFS: the record of complaints is shown to Ofsted on request).
    path("complaints/record/", record_views.record_form, name="record"),
    path("complaints/record.pdf", record_views.record_pdf, name="record_pdf"),
    path("complaints/record.csv", record_views.record_csv, name="record_csv"),
    path("complaints/<id:pk>/", views.complaint_detail, name="complaint"),
    path("complaints/<id:pk>/<slug:step>/", views.complaint_step, name="step"),
]
