"""Herald's Chalice app: routes and event handlers only.

Each route calls one function of chalicelib; errors become JSON responses in
the one middleware below.
"""
from chalice import Chalice

from chalicelib import logs
from chalicelib.errors import HeraldError, NotFound
from chalicelib.http import (
    author_of,
    error_response,
    internal_error_response,
    json_body,
    json_response,
    no_content,
    query,
)
from chalicelib.message_log import public_view
from chalicelib.settings import send_queue_name
from chalicelib.wiring import services

app = Chalice(app_name="herald")


@app.middleware("http")
def json_errors(event, get_response):
    try:
        response = get_response(event)
    except HeraldError as error:
        return error_response(error)
    if response.status_code == 500 and isinstance(response.body, dict) and "Code" in response.body:
        logs.error("unhandled error", path=event.path)
        return internal_error_response()
    return response


@app.route("/health")
def health():
    return {"status": "ok"}


@app.route("/templates")
def list_templates():
    return {"templates": services().templates.list()}


@app.route("/templates/{name}", methods=["PUT"])
def save_template(name):
    request = app.current_request
    return services().templates.save(name, json_body(request), author_of(request))


@app.route("/templates/{name}", methods=["GET"])
def get_template(name):
    return services().templates.get(name, query(app.current_request, "version"))


@app.route("/templates/{name}", methods=["DELETE"])
def delete_template(name):
    services().templates.delete(name)
    return no_content()


@app.route("/templates/{name}/versions")
def template_versions(name):
    return {"versions": services().templates.versions(name)}


@app.route("/templates/{name}/diff")
def template_diff(name):
    request = app.current_request
    return {"diff": services().templates.diff(name, query(request, "from"), query(request, "to"))}


@app.route("/templates/{name}/rollback", methods=["POST"])
def rollback_template(name):
    request = app.current_request
    return services().templates.rollback(name, json_body(request), author_of(request))


@app.route("/templates/{name}/preview", methods=["POST"])
def preview_template(name):
    return services().templates.preview_saved(name, json_body(app.current_request, optional=True))


@app.route("/preview", methods=["POST"])
def preview_draft():
    return services().templates.preview_draft(json_body(app.current_request))


@app.route("/emails", methods=["POST"])
def send_email():
    request = app.current_request
    accepted = services().producer.accept(request.raw_body or b"",
                                          request.headers.get("idempotency-key"))
    return json_response(accepted, status=202)


@app.route("/emails/{message_id}")
def get_email(message_id):
    entry = services().message_log.get(message_id)
    if entry is None:
        raise NotFound(f"message {message_id!r} not found", field="message_id")
    return public_view(entry)


@app.on_sqs_message(queue=send_queue_name(), batch_size=10)
def consume_send_queue(event):
    return services().consumer.handle(event.to_dict()["Records"])
