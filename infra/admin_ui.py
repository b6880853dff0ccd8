"""The admin UI's hosting (seed 002): a private S3 bucket read only by a
CloudFront distribution through Origin Access Control, both logging their
access to the access-log bucket (infra/logging.py)."""
from __future__ import annotations

from typing import Any

from infra.logging import CLOUDFRONT_LOG_PREFIX
from infra.stage import StageConfig
from infra.storage import bucket_logging, deny_insecure_transport, private_bucket

# AWS managed CloudFront policies (ids are the same in every account)
CACHING_OPTIMIZED = "658327ea-f89d-4fab-a63d-7e88639e58f6"
SECURITY_HEADERS = "67f7725c-6f97-4210-82d7-5512b31e9d03"
_ORIGIN = "admin-ui-bucket"


def _bucket_policy() -> dict[str, Any]:
    cloudfront_reads = {
        "Sid": "CloudFrontReads", "Effect": "Allow",
        "Principal": {"Service": "cloudfront.amazonaws.com"}, "Action": "s3:GetObject",
        "Resource": {"Fn::Sub": "${AdminUiBucket.Arn}/*"},
        "Condition": {"StringEquals": {"AWS:SourceArn": {"Fn::Sub": (
            "arn:${AWS::Partition}:cloudfront::${AWS::AccountId}:"
            "distribution/${AdminUiDistribution}")}}}}
    return {"Type": "AWS::S3::BucketPolicy", "Properties": {
        "Bucket": {"Ref": "AdminUiBucket"},
        "PolicyDocument": {"Version": "2012-10-17", "Statement": [
            deny_insecure_transport("AdminUiBucket"), cloudfront_reads]}}}


def _distribution(stage: StageConfig) -> dict[str, Any]:
    return {"Type": "AWS::CloudFront::Distribution", "Properties": {"DistributionConfig": {
        "Comment": f"Herald {stage.stage} admin UI", "Enabled": True,
        "DefaultRootObject": "index.html", "HttpVersion": "http2and3",
        "PriceClass": "PriceClass_100",
        "Logging": {"Bucket": {"Fn::GetAtt": ["AccessLogBucket", "RegionalDomainName"]},
                    "Prefix": CLOUDFRONT_LOG_PREFIX, "IncludeCookies": False},
        "Origins": [{"Id": _ORIGIN,
                     "DomainName": {"Fn::GetAtt": ["AdminUiBucket", "RegionalDomainName"]},
                     "S3OriginConfig": {"OriginAccessIdentity": ""},
                     "OriginAccessControlId": {"Fn::GetAtt": ["AdminUiOriginAccess", "Id"]}}],
        "DefaultCacheBehavior": {
            "TargetOriginId": _ORIGIN, "ViewerProtocolPolicy": "redirect-to-https",
            "AllowedMethods": ["GET", "HEAD"], "Compress": True,
            "CachePolicyId": CACHING_OPTIMIZED, "ResponseHeadersPolicyId": SECURITY_HEADERS}}}}


def resources(stage: StageConfig) -> dict[str, Any]:
    return {
        "AdminUiBucket": private_bucket(stage, "admin-ui",
                                        LoggingConfiguration=bucket_logging("admin-ui")),
        "AdminUiBucketPolicy": _bucket_policy(),
        "AdminUiOriginAccess": {"Type": "AWS::CloudFront::OriginAccessControl", "Properties": {
            "OriginAccessControlConfig": {
                "Name": f"{stage.prefix}-admin-ui", "OriginAccessControlOriginType": "s3",
                "SigningBehavior": "always", "SigningProtocol": "sigv4"}}},
        "AdminUiDistribution": _distribution(stage),
    }
