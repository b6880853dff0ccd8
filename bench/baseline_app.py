"""The cold-start baseline: the smallest useful Chalice app, one route doing
one `sqs.send_message`, written the way a hand-rolled service would be.

Herald's cold start is judged against this, measured in the same run.
"""
import os

import boto3
from chalice import Chalice, Response

app = Chalice(app_name="baseline")
_sqs = None


@app.route("/emails", methods=["POST"])
def send_email():
    global _sqs
    if _sqs is None:
        _sqs = boto3.client("sqs")
    sent = _sqs.send_message(QueueUrl=os.environ["HERALD_SEND_QUEUE_URL"],
                             MessageBody=app.current_request.raw_body.decode())
    return Response(body={"message_id": sent["MessageId"]}, status_code=202)
