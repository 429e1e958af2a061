from datetime import date

from django.contrib import admin
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.http import HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import path
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from porting.exporter import blog_entries
from porting.forms import ImportUploadForm
from porting.models import ImportJob, OldPath
from porting.mt_writer import write_entry
from porting.tasks import run_import


@admin.register(ImportJob)
class ImportJobAdmin(admin.ModelAdmin):
    """Staff upload an export here; the import runs as a task and this page shows it."""

    list_display = ("filename", "kind", "status", "done", "total", "created_by", "created_at")
    list_filter = ("status", "kind")
    date_hierarchy = "created_at"

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def get_urls(self):
        urls = [
            path(
                "export/",
                self.admin_site.admin_view(self.export_view),
                name="porting_importjob_export",
            )
        ]
        return urls + super().get_urls()

    def add_view(self, request: HttpRequest, form_url="", extra_context=None) -> HttpResponse:
        if not self.has_add_permission(request):
            raise PermissionDenied
        form = ImportUploadForm(request.POST or None, request.FILES or None)
        if request.method == "POST" and form.is_valid():
            job = form.save(user=request.user)
            transaction.on_commit(lambda: run_import.enqueue(job.pk))
            return redirect(job.get_absolute_url())
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "title": _("Import a blog"),
            "form": form,
        }
        return TemplateResponse(request, "admin/porting/importjob/upload.html", context)

    def change_view(self, request: HttpRequest, object_id, form_url="", extra_context=None):
        job = get_object_or_404(ImportJob, pk=object_id)
        if not self.has_view_permission(request, job):
            raise PermissionDenied
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "title": _("Import of %(file)s") % {"file": job.filename},
            "job": job,
        }
        return TemplateResponse(request, "admin/porting/importjob/progress.html", context)

    def export_view(self, request: HttpRequest) -> StreamingHttpResponse:
        """The whole blog as a Movable Type export, streamed (the same as export_mt)."""
        if not request.user.is_superuser:
            raise PermissionDenied
        tz = timezone.get_current_timezone()
        response = StreamingHttpResponse(
            (write_entry(entry) for entry in blog_entries(tz)),
            content_type="text/plain; charset=utf-8",
        )
        filename = f"kiji-export-{date.today():%Y%m%d}.txt"
        response["Content-Disposition"] = f'attachment; filename="{filename}"'
        return response


@admin.register(OldPath)
class OldPathAdmin(admin.ModelAdmin):
    list_display = ("path", "post")
    search_fields = ("path", "post__title")
    raw_id_fields = ("post",)
