"""A small client for services calling Herald's IAM-protected API.

Copy this folder into a service (it needs only botocore, which boto3
brings). Requests are signed with SigV4 for `execute-api` using the
service's usual AWS credentials; its IAM policy needs `execute-api:Invoke`
on the Herald API's `POST /emails` and `GET /emails/*`.
"""
from herald_client.client import HeraldClient, HeraldError

__all__ = ["HeraldClient", "HeraldError"]
