"""Herald's Chalice app: routes and event handlers only.

Routes are declared in groups that say once who may call them
(chalicelib/api/routes.py); each calls one function of chalicelib. Domain
errors become JSON responses in the groups, Chalice's own refusals in the
middleware below.
"""
from chalice import Chalice, Rate
from chalice.app import Request

from chalicelib.api import auth, pages
from chalicelib.api.errors import (
    UnsupportedMediaType,
    error_response,
    hook_error_response,
    internal_error_response,
)
from chalicelib.api.http import (
    author_of,
    form_fields,
    json_body,
    json_response,
    no_content,
    query,
    require_json_content,
)
from chalicelib.api.link_pages import link_response
from chalicelib.api.routes import RouteGroup
from chalicelib.errors import HeraldError
from chalicelib.platform import logs, paging
from chalicelib.platform.settings import (
    alarm_topic_name,
    consumer_max_concurrency,
    feedback_queue_name,
    message_log_stream_arn,
    send_queue_name,
    sms_queue_name,
    users_stream_arn,
    webhooks_queue_name,
)
from chalicelib.wiring import services

app = Chalice(app_name="herald")

public = RouteGroup(app)
# Services sign their calls with SigV4 (IAM).
service_callers = RouteGroup(app, authorizer=auth.SERVICE_AUTHORIZER)
# Admin routes: Cognito sign-in, CORS for the admin UI only, then the Cognito groups.
_STAFF_SIGN_IN = {"authorizer": auth.staff_authorizer(), "cors": auth.staff_cors()}
staff = RouteGroup(app, groups=auth.STAFF, **_STAFF_SIGN_IN)
editors = RouteGroup(app, groups=(auth.EDITORS,), **_STAFF_SIGN_IN)
operators = RouteGroup(app, groups=(auth.OPERATORS,), **_STAFF_SIGN_IN)


@app.middleware("all")
def request_id_on_every_log_line(event, get_response):
    """Bind the Lambda request id to every log line of this invocation."""
    context = app.lambda_context if isinstance(event, Request) else getattr(event, "context", None)
    request_id = getattr(context, "aws_request_id", None)
    if not request_id:
        return get_response(event)
    with logs.bind(request_id=request_id):
        return get_response(event)


@app.middleware("http")
def chalice_errors_in_herald_shape(event, get_response):
    response = get_response(event)
    if response.status_code == 415 and isinstance(response.body, dict) and "Code" in response.body:
        # Chalice's own refusal of a body type it cannot parse, in Herald's error shape
        return error_response(UnsupportedMediaType(
            "send the body as JSON, with Content-Type: application/json", field="Content-Type"))
    if response.status_code == 500 and isinstance(response.body, dict) and "Code" in response.body:
        logs.error("unhandled error", path=event.path)
        return internal_error_response()
    return response


@public.route("/health")
def health():
    return {"status": "ok"}


# The API's OpenAPI 3.1 document (chalicelib/api/openapi.json): public, with the admin
# UI's CORS (its API reference screen reads it); loaded on the first request only.
reference = RouteGroup(app, cors=auth.staff_cors())


@reference.route("/openapi.json")
def openapi_document():
    from chalicelib.api.reference import openapi_response

    return openapi_response()


@staff.route("/templates")
def list_templates():
    return {"templates": services().templates.list(query(app.current_request, "status"))}


@editors.route("/templates/{name}/restore", methods=("POST",))
def restore_template(name):
    return services().templates.restore(name, author_of(app.current_request))


@editors.route("/templates/{name}/duplicate", methods=("POST",))
def duplicate_template(name):
    request = app.current_request
    copy = services().templates.duplicate(name, json_body(request), author_of(request))
    return json_response(copy, status=201)


@editors.route("/templates/{name}", methods=("PUT",))
def save_template(name):
    request = app.current_request
    return services().templates.save(name, json_body(request), author_of(request))


@staff.route("/templates/{name}")
def get_template(name):
    return services().templates.get(name, query(app.current_request, "version"))


@editors.route("/templates/{name}", methods=("DELETE",))
def delete_template(name):
    services().templates.delete(name)
    return no_content()


@staff.route("/templates/{name}/schema")
def template_schema(name):
    return services().templates.schema(name, query(app.current_request, "version"))


@staff.route("/templates/{name}/versions")
def template_versions(name):
    return {"versions": services().templates.versions(name)}


@staff.route("/templates/{name}/diff")
def template_diff(name):
    request = app.current_request
    return {"diff": services().templates.diff(name, query(request, "from"), query(request, "to"))}


@editors.route("/templates/{name}/rollback", methods=("POST",))
def rollback_template(name):
    request = app.current_request
    return services().templates.rollback(name, json_body(request), author_of(request))


@staff.route("/templates/{name}/preview", methods=("POST",))
def preview_template(name):
    return services().templates.preview_saved(name, json_body(app.current_request, optional=True))


@staff.route("/preview", methods=("POST",))
def preview_draft():
    return services().templates.preview_draft(json_body(app.current_request))


@editors.route("/templates/{name}/test-send", methods=("POST",))
def send_test_mail(name):
    request = app.current_request
    accepted = services().staff_send.send(name, json_body(request), author_of(request))
    return json_response(accepted, status=202)


@service_callers.route("/emails", methods=("POST",))
def send_email():
    request = app.current_request
    require_json_content(request)
    accepted = services().producer.accept(request.raw_body or b"",
                                          request.headers.get("idempotency-key"))
    return json_response(accepted, status=202)


@service_callers.route("/emails/{message_id}")
def get_email(message_id):
    return services().message_log.look_up(message_id)


@staff.route("/messages/{message_id}")
def get_message(message_id):
    return services().mail_finder.look_up(message_id)


@staff.route("/messages")
def find_messages():
    request = app.current_request
    return services().mail_finder.list_page(query(request, "to"), query(request, "status"),
                                            query(request, "limit"), query(request, "cursor"))


@staff.route("/suppressions")
def list_suppressions():
    request = app.current_request
    return services().suppression_admin.list_page(query(request, "limit"),
                                                  query(request, "cursor"))


@operators.route("/suppressions/{email}", methods=("PUT",))
def suppress(email):
    request = app.current_request
    return services().suppression_admin.add(email, json_body(request, optional=True),
                                            author_of(request))


@operators.route("/suppressions/{email}", methods=("DELETE",))
def unsuppress(email):
    services().suppression_admin.remove(email)
    return no_content()


@staff.route("/queues")
def queue_counts():
    return services().queue_admin.counts()


@staff.route("/dlq/messages")
def peek_dlq():
    limit = paging.limit(query(app.current_request, "limit"), default=10, maximum=100)
    return {"messages": services().queue_admin.peek(limit)}


@operators.route("/dlq/messages/{message_id}", methods=("DELETE",))
def discard_dlq_message(message_id):
    services().queue_admin.discard(message_id)
    return no_content()


@operators.route("/dlq/messages/{message_id}/redrive", methods=("POST",))
def redrive_dlq_message(message_id):
    return services().queue_admin.redrive_one(message_id)


@operators.route("/dlq/redrive", methods=("POST",))
def redrive_dlq():
    return services().queue_admin.redrive()


@public.route("/hooks/{source}", methods=("POST",))
def receive_hook(source):
    """Signed webhooks from identity providers (Standard Webhooks; the signature is the auth)."""
    request = app.current_request
    try:
        answer = services().hooks.receive(source, request.headers, request.raw_body or b"")
    except HeraldError as error:
        return hook_error_response(error, services().hooks.error_style(source))
    return json_response(answer.body, status=202 if answer.queued else 200)


@staff.route("/hooks")
def hook_sources():
    return {"sources": services().hooks.overview()}


@app.on_sqs_message(queue=send_queue_name(), batch_size=10,
                    maximum_concurrency=consumer_max_concurrency())
def consume_send_queue(event):
    remaining_ms = event.context.get_remaining_time_in_millis() if event.context else None
    return services().consumer.handle(event.to_dict()["Records"], remaining_ms)


@app.on_sqs_message(queue=feedback_queue_name(), batch_size=10)
def handle_ses_feedback(event):
    return services().feedback.handle(event.to_dict()["Records"])


@app.schedule(Rate(1, unit=Rate.MINUTES))
def reconcile(event):
    return services().reconciler.run()


@app.on_sns_message(topic=alarm_topic_name())
def forward_alarm(event):
    return services().alarm_forwarder.handle(event.to_dict()["Records"])


@app.lambda_function(name="cognito_email_sender")
def cognito_email_sender(event, context):
    """Cognito's CustomEmailSender_* triggers (the user pool's custom email sender)."""
    return services().cognito_sender.handle(event)


@app.on_dynamodb_record(stream_arn=users_stream_arn(), batch_size=25,
                        starting_position="LATEST")
def send_welcome_mail(event):
    return services().welcome_sender.handle(event.to_dict()["Records"])


# Outbound delivery webhooks (chalicelib/webhooks/)
@staff.route("/webhooks")
def list_webhooks():
    return {"webhooks": services().webhooks.list()}


@operators.route("/webhooks/{name}", methods=("PUT",))
def save_webhook(name):
    return services().webhooks.put(name, json_body(app.current_request))


@staff.route("/webhooks/{name}")
def get_webhook(name):
    return services().webhooks.get(name)


@operators.route("/webhooks/{name}", methods=("DELETE",))
def delete_webhook(name):
    services().webhooks.delete(name)
    return no_content()


@operators.route("/webhooks/{name}/test", methods=("POST",))
def test_webhook(name):
    return json_response(services().webhooks.test(name), status=202)


@staff.route("/webhooks/{name}/deliveries")
def webhook_deliveries(name):
    return {"deliveries": services().webhooks.deliveries(name)}


@app.on_dynamodb_record(stream_arn=message_log_stream_arn(), batch_size=100)
def fan_out_webhook_events(event):
    return services().webhook_fanout.handle(event.to_dict()["Records"])


@app.on_sqs_message(queue=webhooks_queue_name(), batch_size=10)
def send_webhooks(event):
    return services().webhook_sender.handle(event.to_dict()["Records"])


# Notifications to users (chalicelib/notifications/): services (IAM) manage users and
# their preferences and send notifications; editors define the notification types.
@service_callers.route("/users/{user_id}", methods=("PUT",))
def put_user(user_id):
    request = app.current_request
    return services().profiles.put_user(user_id, json_body(request), author_of(request))


@service_callers.route("/users/{user_id}")
def get_user(user_id):
    return services().profiles.get_user(user_id)


@service_callers.route("/users/{user_id}/preferences", methods=("PUT",))
def put_preferences(user_id):
    request = app.current_request
    return services().profiles.put_preferences(user_id, json_body(request), author_of(request))


@service_callers.route("/users/{user_id}/preferences")
def get_preferences(user_id):
    return services().profiles.get_preferences(user_id)


@staff.route("/notification-types")
def list_notification_types():
    return {"notification_types": services().profiles.list_types()}


@editors.route("/notification-types/{name}", methods=("PUT",))
def put_notification_type(name):
    request = app.current_request
    return services().profiles.put_type(name, json_body(request), author_of(request))


@staff.route("/notification-types/{name}")
def get_notification_type(name):
    return services().profiles.get_type(name)


# The same profiles for staff in the admin UI (Cognito): look a user up, change their
# channels on their behalf (operators), recorded under the staff member's name.
@staff.route("/staff/users/{user_id}")
def staff_get_user(user_id):
    return {"user": services().profiles.get_user(user_id),
            **services().profiles.get_preferences(user_id)}


@operators.route("/staff/users/{user_id}/preferences", methods=("PUT",))
def staff_put_preferences(user_id):
    request = app.current_request
    return services().profiles.put_preferences(user_id, json_body(request), author_of(request))


@service_callers.route("/notifications", methods=("POST",))
def send_notification():
    request = app.current_request
    require_json_content(request)
    accepted = services().notifier.send(request.raw_body or b"",
                                        request.headers.get("idempotency-key"))
    return json_response(accepted, status=202)


# One-click unsubscribe (RFC 8058) and the preference page (chalicelib/unsubscribe/):
# public, the signed link is the credential; HTML pages, no CORS. GET never changes
# anything (mail scanners fetch links); POST does, whatever its body.
_FORM_BODIES = ("application/x-www-form-urlencoded", "multipart/form-data", "text/plain")


@public.route("/u/{token}")
def unsubscribe_page(token):
    return pages.page_or_error(lambda: pages.unsubscribe_offer(
        services().self_service.offer(token)))


@public.route("/u/{token}", methods=("POST",), content_types=_FORM_BODIES)
def unsubscribe(token):
    return pages.page_or_error(lambda: pages.unsubscribed(
        services().self_service.unsubscribe(token)))


@public.route("/preferences/{token}")
def preference_page(token):
    return pages.page_or_error(lambda: pages.preferences(
        services().self_service.toggles(token)))


@public.route("/preferences/{token}", methods=("POST",), content_types=_FORM_BODIES)
def save_preferences(token):
    return pages.page_or_error(lambda: pages.preferences(
        services().self_service.save(token, form_fields(app.current_request)), saved=True))


# SMS (chalicelib/delivery/channels/sms.py): the SMS queue's consumer, the send queue's twin
@app.on_sqs_message(queue=sms_queue_name(), batch_size=10,
                    maximum_concurrency=consumer_max_concurrency())
def consume_sms_queue(event):
    remaining_ms = event.context.get_remaining_time_in_millis() if event.context else None
    return services().sms_consumer.handle(event.to_dict()["Records"], remaining_ms)


# Scanner-safe links (chalicelib/links/): public by design, the token is the credential;
# HTML pages, no CORS. GET and HEAD never change anything but the log (mail scanners
# fetch every link); only POST, the page's button, redirects.
_LINK_FORM_BODIES = ("application/x-www-form-urlencoded", "multipart/form-data", "text/plain")


@public.route("/l/{token}", methods=("GET", "HEAD"), content_types=_LINK_FORM_BODIES)
def link_page(token):
    request = app.current_request
    return link_response(services().link_gateway.view(
        token, request.method, request.headers.get("user-agent")))


@public.route("/l/{token}", methods=("POST",), content_types=_LINK_FORM_BODIES)
def follow_link(token):
    return link_response(services().link_gateway.follow(token))
