"""The console's URL map, mounted at /admin."""

from __future__ import annotations

from starlette.routing import Route

from web import access, audit, auth, home, jobs, members


def console_routes() -> list[Route]:
    return [
        Route("/", home.home, name="home"),
        Route("/login", auth.login, methods=["GET", "POST"], name="login"),
        Route("/logout", auth.logout, methods=["POST"], name="logout"),
        Route("/language", auth.choose_language, methods=["POST"], name="language"),
        Route("/members", members.member_list, name="members"),
        Route("/members/export", members.member_export, methods=["POST"], name="member_export"),
        Route("/members/{member_id:int}", members.member_detail, name="member"),
        Route("/members/{member_id:int}/edit", members.member_edit, methods=["GET", "POST"], name="member_edit"),
        Route("/audit", audit.audit_list, name="audit"),
        Route("/jobs/{job_id:int}/progress", jobs.job_progress, name="job_progress"),
        Route("/jobs/{job_id:int}/download", jobs.job_download, name="job_download"),
        Route("/settings/api-keys", access.api_keys, name="api_keys"),
        Route("/settings/api-keys/new", access.api_key_create, methods=["POST"], name="api_key_create"),
        Route("/settings/api-keys/{key_id:int}/revoke", access.api_key_revoke, methods=["POST"],
              name="api_key_revoke"),
        Route("/{domain:str}", home.domain_not_built, name="domain"),
    ]
