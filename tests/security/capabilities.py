"""What each route needs, to read it and to write through it: the role matrix's table.

Every non-admin route of the URL configuration must be listed here
(`test_every_route_is_classified` fails otherwise), so a new page or endpoint
is placed in the role matrix by whoever adds it.

Capabilities:
* public  anyone (login, language, schema…), organization-less
* read    any member of the organization; API tokens with scope `read`
* ingest  record ratings and import CSV: cx managers, admins; tokens with scope `ingest`
* edit    change cycles, moments, touchpoints, segments: cx managers, admins
* review  change review items (status, owner, notes, actions): team leads, cx managers, admins (people only)
* manage  API tokens, webhooks (and members): admins only
* erase   erase a customer's ratings on request: cx managers, admins; tokens with scope `erase`
* none    the route takes no writes at all (every write method is 405)
"""

from __future__ import annotations

from journeys.models import Membership

ROLE_CAPABILITIES = {
    Membership.Role.VIEWER: {"public", "read"},
    Membership.Role.TEAM_LEAD: {"public", "read", "review"},
    Membership.Role.CX_MANAGER: {"public", "read", "review", "edit", "ingest", "erase"},
    Membership.Role.ADMIN: {"public", "read", "review", "edit", "ingest", "manage", "erase"},
}
TOKEN_CAPABILITIES = {
    ("read",): {"public", "read"},
    ("ingest",): {"public", "ingest"},
    ("erase",): {"public", "erase"},
}

# route name → (capability to GET it, capability to write through it)
ROUTE_CAPABILITIES: dict[str, tuple[str, str]] = {
    # organization-less
    "login": ("public", "public"),
    "logout": ("public", "public"),
    "set_language": ("public", "public"),
    "javascript-catalog": ("public", "none"),
    "healthz": ("public", "public"),  # a probe: answers any method, writes nothing
    "api-schema": ("public", "none"),
    "api-docs": ("public", "none"),
    "api:api-root": ("public", "none"),
    # REST API
    "api:organization-list": ("read", "none"),
    "api:organization-detail": ("read", "none"),
    "api:membership-list": ("manage", "none"),  # people join by invitation, never added by username
    "api:invitation-list": ("manage", "manage"),
    "api:invitation-detail": ("manage", "manage"),
    "api:invitation-resend": ("none", "manage"),
    "api:membership-detail": ("manage", "manage"),
    "api:cycle-list": ("read", "edit"),
    "api:cycle-detail": ("read", "edit"),
    "api:cycle-reorder": ("none", "edit"),
    "api:cycle-heatmap": ("read", "none"),
    "api:cycle-critical-moments": ("read", "none"),
    "api:cycle-insights": ("read", "none"),
    "api:cycle-comments": ("read", "none"),
    "api:cycle-key-drivers": ("read", "none"),
    "api:cycle-paths": ("read", "none"),
    "api:customer-erasure": ("none", "erase"),
    "api:cycle-ratings-export": ("read", "none"),
    "api:cycle-wheel": ("read", "none"),
    "api:cycle-heatmap-png": ("read", "none"),
    "api:cycle-heatmap-svg": ("read", "none"),
    "api:cycle-emotion-curve-png": ("read", "none"),
    "api:cycle-emotion-curve-svg": ("read", "none"),
    # Share links are made, listed and revoked by CX managers and admins (people only).
    "api:cycle-share-links": ("edit", "edit"),
    "api:cycle-share-link": ("edit", "edit"),
    "api:moment-list": ("read", "edit"),
    "api:moment-detail": ("read", "edit"),
    "api:touchpoint-list": ("read", "edit"),
    "api:touchpoint-detail": ("read", "edit"),
    "api:segment-list": ("read", "edit"),
    "api:segment-detail": ("read", "edit"),
    "api:rating-list": ("read", "ingest"),
    "api:rating-detail": ("read", "none"),
    "api:rating-batch": ("none", "ingest"),
    "api:rating-upload-csv": ("none", "ingest"),
    "api:surveylink-list": ("read", "edit"),
    "api:surveylink-detail": ("read", "edit"),
    "api:surveylink-deactivate": ("none", "edit"),
    # Minting per-recipient links decides the keys of future ratings: whoever may record ratings.
    "api:surveylink-recipient-links": ("none", "ingest"),
    "api:apitoken-list": ("manage", "manage"),
    "api:apitoken-detail": ("manage", "manage"),
    "api:reviewitem-list": ("read", "none"),
    "api:reviewitem-detail": ("read", "review"),
    "api:reviewitem-add-action": ("none", "review"),
    "api:reviewitem-update-action": ("none", "review"),
    "api:webhook-list": ("manage", "manage"),
    "api:webhook-detail": ("manage", "manage"),
    "api:webhook-deliveries": ("manage", "none"),
    "api:webhook-rotate-secret": ("none", "manage"),
    "api:alert-list": ("read", "none"),
    "api:alert-detail": ("read", "none"),
    # pages and the map editor
    "journeys:cycle_list": ("read", "none"),
    "touchpoints:cycle_create": ("none", "edit"),
    "journeys:cycle_detail": ("read", "none"),
    "touchpoints:cycle_duplicate": ("none", "edit"),
    "journeys:cycle_archive": ("none", "edit"),
    "journeys:cycle_settings": ("none", "edit"),
    "journeys:editor_lane": ("read", "none"),
    "journeys:editor_moment_create": ("none", "edit"),
    "journeys:editor_moment": ("none", "edit"),
    "journeys:editor_reorder": ("none", "edit"),
    "touchpoints:editor_touchpoint_create": ("none", "edit"),
    "touchpoints:editor_touchpoint": ("none", "edit"),
    "analytics:dashboard": ("read", "none"),
    # Recomputing rebuilds a snapshot from the data; it changes no data, so any member may ask.
    "analytics:recompute": ("none", "read"),
    "analytics:task_status": ("read", "none"),
    "analytics:comments": ("read", "none"),
    "analytics:alerts_home": ("read", "none"),
    "analytics:alerts": ("read", "none"),
    "analytics:wheel": ("read", "none"),
    # Personas: every member reads them; CX managers and admins create, rename, describe.
    "touchpoints:segments_home": ("read", "none"),
    "touchpoints:segments": ("read", "edit"),
    "touchpoints:segment_edit": ("none", "edit"),
    # The PDF report: GET makes it, POST starts the export task; it changes no data, so any member may.
    "analytics:report_pdf": ("read", "read"),
    "analytics:export_detail": ("read", "none"),
    "analytics:export_status": ("read", "none"),
    "analytics:export_download": ("read", "none"),
    # A share link's read-only pages: public (the link's token is the credential), GET only.
    "analytics:shared_map": ("public", "none"),
    "analytics:shared_dashboard": ("public", "none"),
    "journeys:share_links": ("edit", "edit"),
    "journeys:share_link_revoke": ("none", "edit"),
    "analytics:erasure_home": ("erase", "none"),
    "analytics:erasure": ("erase", "erase"),
    "reviews:home": ("read", "none"),
    "reviews:week": ("read", "none"),
    "reviews:open_week": ("none", "review"),
    "reviews:item_status": ("none", "review"),
    "reviews:item_owner": ("none", "review"),
    "reviews:item_notes": ("none", "review"),
    "reviews:item_action_add": ("none", "review"),
    "reviews:item_action_done": ("none", "review"),
    "touchpoints:imports_home": ("ingest", "none"),
    "touchpoints:import_upload": ("ingest", "ingest"),
    "touchpoints:cycle_import_upload": ("ingest", "ingest"),
    "touchpoints:import_detail": ("ingest", "none"),
    "touchpoints:import_start": ("none", "ingest"),
    "touchpoints:import_status": ("ingest", "none"),
    "touchpoints:tokens_home": ("manage", "none"),
    "journeys:members_home": ("manage", "none"),
    "journeys:organization_settings_home": ("manage", "none"),
    "journeys:organization_settings": ("manage", "manage"),
    # The signed-in person's own language: names no organization's object (anyone signed in).
    "journeys:profile": ("public", "public"),
    "journeys:members": ("manage", "manage"),
    "journeys:member_role": ("none", "manage"),
    "journeys:member_remove": ("manage", "manage"),
    "journeys:invitation_resend": ("none", "manage"),
    "journeys:invitation_revoke": ("none", "manage"),
    # The invitation link: public, its token is the credential.
    "journeys:invitation_accept": ("public", "public"),
    # A touchpoint's survey links: every member reads them (public addresses), editors change them.
    "touchpoints:collect": ("read", "edit"),
    "touchpoints:survey_link_edit": ("edit", "edit"),
    "touchpoints:survey_link_active": ("none", "edit"),
    # The public survey pages: no login, the token is the link; only the page and a
    # recipient's page take a POST (the answer), the others are GET only.
    "touchpoints:survey": ("public", "public"),
    "touchpoints:survey_recipient": ("public", "public"),
    "touchpoints:survey_embed": ("public", "none"),
    "touchpoints:survey_kiosk": ("public", "none"),
    "touchpoints:survey_print": ("public", "none"),
    "touchpoints:survey_qr_png": ("public", "none"),
    "touchpoints:survey_qr_svg": ("public", "none"),
    "touchpoints:tokens": ("manage", "manage"),
    "touchpoints:token_revoke": ("manage", "manage"),
    "reviews:webhooks_home": ("manage", "none"),
    "reviews:webhooks": ("manage", "manage"),
    "reviews:webhook": ("manage", "manage"),
    "reviews:webhook_rotate": ("manage", "manage"),
    "reviews:webhook_delete": ("manage", "manage"),
}
