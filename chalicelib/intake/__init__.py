"""Signed webhook intake (`POST /hooks/{source}`): identity providers and other
services hand Herald an event; it is verified (Standard Webhooks), mapped to a
template send and accepted through the same path as `POST /emails`."""
