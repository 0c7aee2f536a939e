from django.urls import path

from dealdesk.quotes.views import public, seller, wizard

app_name = "quotes"

urlpatterns = [
    # Seller
    path("quotes/", seller.quote_list, name="list"),
    path("deals/<int:deal_pk>/quotes/new/", wizard.quote_create, name="create"),
    path("quotes/<int:pk>/", seller.quote_detail, name="detail"),
    path("quotes/<int:pk>/edit/<slug:step>/", wizard.quote_step, name="step"),
    path("quotes/<int:pk>/lines/add/", wizard.line_add, name="line_add"),
    path("quotes/<int:pk>/publish/", wizard.quote_publish, name="publish"),
    path("quotes/<int:pk>/recall/", seller.quote_recall, name="recall"),
    path("quotes/<int:pk>/archive/", seller.quote_archive, name="archive"),
    path("quotes/<int:pk>/duplicate/", seller.quote_duplicate, name="duplicate"),
    path("quotes/<int:pk>/extend/", seller.quote_extend, name="extend"),
    path("quotes/<int:pk>/preview/", seller.quote_preview, name="preview"),
    path("quotes/<int:pk>/pdf/", seller.quote_pdf, name="pdf"),
    # Buyer (no sign-in; the token is the key)
    path("q/<str:token>/", public.quote_page, name="public"),
    path("q/<str:token>/pdf/", public.quote_pdf, name="public_pdf"),
    path("q/<str:token>/accept/", public.quote_accept, name="public_accept"),
]
