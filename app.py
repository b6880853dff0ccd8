"""Herald's Chalice app: routes and event handlers only.

Each route calls one function of chalicelib; errors become JSON responses in
the one middleware below.
"""
from chalice import Chalice, Rate

from chalicelib.api import auth, paging
from chalicelib.api.http import (
    author_of,
    error_response,
    internal_error_response,
    json_body,
    json_response,
    no_content,
    query,
    require_json_content,
)
from chalicelib.errors import HeraldError, UnsupportedMediaType
from chalicelib.operations import suppression_admin
from chalicelib.platform import logs
from chalicelib.platform.settings import (
    alarm_topic_name,
    consumer_max_concurrency,
    feedback_queue_name,
    send_queue_name,
)
from chalicelib.records.message_log import look_up
from chalicelib.sending import staff_send
from chalicelib.wiring import services

app = Chalice(app_name="herald")
# Admin routes: Cognito sign-in, CORS for the admin UI only; groups checked in each route.
STAFF_ROUTE = {"authorizer": auth.staff_authorizer(), "cors": auth.staff_cors()}


@app.middleware("http")
def json_errors(event, get_response):
    try:
        response = get_response(event)
    except HeraldError as error:
        response = error_response(error)
        response.headers.update(auth.cors_headers())  # so the admin UI can read the error
        return response
    if response.status_code == 415 and isinstance(response.body, dict) and "Code" in response.body:
        # Chalice's own refusal of a body type it cannot parse, in Herald's error shape
        return error_response(UnsupportedMediaType(
            "send the body as JSON, with Content-Type: application/json", field="Content-Type"))
    if response.status_code == 500 and isinstance(response.body, dict) and "Code" in response.body:
        logs.error("unhandled error", path=event.path)
        return internal_error_response()
    return response


@app.route("/health")
def health():
    return {"status": "ok"}


@app.route("/templates", **STAFF_ROUTE)
def list_templates():
    auth.require(app.current_request, *auth.STAFF)
    return {"templates": services().templates.list()}


@app.route("/templates/{name}", methods=["PUT"], **STAFF_ROUTE)
def save_template(name):
    auth.require(app.current_request, auth.EDITORS)
    request = app.current_request
    return services().templates.save(name, json_body(request), author_of(request))


@app.route("/templates/{name}", methods=["GET"], **STAFF_ROUTE)
def get_template(name):
    auth.require(app.current_request, *auth.STAFF)
    return services().templates.get(name, query(app.current_request, "version"))


@app.route("/templates/{name}", methods=["DELETE"], **STAFF_ROUTE)
def delete_template(name):
    auth.require(app.current_request, auth.EDITORS)
    services().templates.delete(name)
    return no_content()


@app.route("/templates/{name}/versions", **STAFF_ROUTE)
def template_versions(name):
    auth.require(app.current_request, *auth.STAFF)
    return {"versions": services().templates.versions(name)}


@app.route("/templates/{name}/diff", **STAFF_ROUTE)
def template_diff(name):
    auth.require(app.current_request, *auth.STAFF)
    request = app.current_request
    return {"diff": services().templates.diff(name, query(request, "from"), query(request, "to"))}


@app.route("/templates/{name}/rollback", methods=["POST"], **STAFF_ROUTE)
def rollback_template(name):
    auth.require(app.current_request, auth.EDITORS)
    request = app.current_request
    return services().templates.rollback(name, json_body(request), author_of(request))


@app.route("/templates/{name}/preview", methods=["POST"], **STAFF_ROUTE)
def preview_template(name):
    auth.require(app.current_request, *auth.STAFF)
    return services().templates.preview_saved(name, json_body(app.current_request, optional=True))


@app.route("/preview", methods=["POST"], **STAFF_ROUTE)
def preview_draft():
    auth.require(app.current_request, *auth.STAFF)
    return services().templates.preview_draft(json_body(app.current_request))


@app.route("/templates/{name}/test-send", methods=["POST"], **STAFF_ROUTE)
def send_test_mail(name):
    auth.require(app.current_request, auth.EDITORS)
    accepted = staff_send.send_test(services().cache, services().producer, name,
                                    json_body(app.current_request))
    return json_response(accepted, status=202)


@app.route("/emails", methods=["POST"], authorizer=auth.SERVICE_AUTHORIZER)
def send_email():
    request = app.current_request
    require_json_content(request)
    accepted = services().producer.accept(request.raw_body or b"",
                                          request.headers.get("idempotency-key"))
    return json_response(accepted, status=202)


@app.route("/emails/{message_id}", authorizer=auth.SERVICE_AUTHORIZER)
def get_email(message_id):
    return look_up(services().message_log, message_id)


@app.route("/messages/{message_id}", **STAFF_ROUTE)
def get_message(message_id):
    auth.require(app.current_request, *auth.STAFF)
    return look_up(services().message_log, message_id)


@app.route("/suppressions", **STAFF_ROUTE)
def list_suppressions():
    auth.require(app.current_request, *auth.STAFF)
    request = app.current_request
    return suppression_admin.list_page(services().suppressions, query(request, "limit"),
                                     query(request, "cursor"))


@app.route("/suppressions/{email}", methods=["PUT"], **STAFF_ROUTE)
def suppress(email):
    auth.require(app.current_request, auth.OPERATORS)
    request = app.current_request
    return suppression_admin.add(services().suppressions, email,
                               json_body(request, optional=True), author_of(request))


@app.route("/suppressions/{email}", methods=["DELETE"], **STAFF_ROUTE)
def unsuppress(email):
    auth.require(app.current_request, auth.OPERATORS)
    suppression_admin.remove(services().suppressions, email)
    return no_content()


@app.route("/queues", **STAFF_ROUTE)
def queue_counts():
    auth.require(app.current_request, *auth.STAFF)
    return services().queue_admin.counts()


@app.route("/dlq/messages", **STAFF_ROUTE)
def peek_dlq():
    auth.require(app.current_request, *auth.STAFF)
    limit = paging.limit(query(app.current_request, "limit"), default=10, maximum=100)
    return {"messages": services().queue_admin.peek(limit)}


@app.route("/dlq/messages/{message_id}", methods=["DELETE"], **STAFF_ROUTE)
def discard_dlq_message(message_id):
    auth.require(app.current_request, auth.OPERATORS)
    services().queue_admin.discard(message_id)
    return no_content()


@app.route("/dlq/redrive", methods=["POST"], **STAFF_ROUTE)
def redrive_dlq():
    auth.require(app.current_request, auth.OPERATORS)
    return services().queue_admin.redrive()


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
    from chalicelib.operations import alerts  # off the API's import path (cold start)

    return alerts.forwarder().handle(event.to_dict()["Records"])
