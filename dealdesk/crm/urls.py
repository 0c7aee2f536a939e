from django.urls import path

from dealdesk.crm import views

app_name = "crm"

urlpatterns = [
    path("deals/", views.deal_list, name="deal_list"),
    path("deals/new/", views.deal_create, name="deal_create"),
    path("deals/<int:pk>/", views.deal_detail, name="deal_detail"),
    path("deals/<int:pk>/edit/", views.deal_edit, name="deal_edit"),
    path("deals/<int:pk>/delete/", views.deal_delete, name="deal_delete"),
    path("deals/<int:pk>/lines/product/", views.line_add_product, name="line_add_product"),
    path("deals/<int:pk>/lines/custom/", views.line_add_custom, name="line_add_custom"),
    path("deals/<int:pk>/lines/<int:line_pk>/", views.line_edit, name="line_edit"),
    path("deals/<int:pk>/lines/<int:line_pk>/delete/", views.line_delete, name="line_delete"),
    path("deals/<int:pk>/lines/<int:line_pk>/move/", views.line_move, name="line_move"),
    path("companies/", views.company_list, name="company_list"),
    path("companies/new/", views.company_create, name="company_create"),
    path("companies/<int:pk>/", views.company_detail, name="company_detail"),
    path("companies/<int:pk>/edit/", views.company_edit, name="company_edit"),
    path("companies/<int:pk>/delete/", views.company_delete, name="company_delete"),
    path("contacts/", views.contact_list, name="contact_list"),
    path("contacts/new/", views.contact_create, name="contact_create"),
    path("contacts/<int:pk>/", views.contact_detail, name="contact_detail"),
    path("contacts/<int:pk>/edit/", views.contact_edit, name="contact_edit"),
    path("contacts/<int:pk>/delete/", views.contact_delete, name="contact_delete"),
]
