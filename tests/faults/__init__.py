"""Herald's own fault suite: the real handlers against the local AWS emulation,
with faults injected at the AWS calls, and every accepted mail accounted for
against what the emulated SES accepted (see docs/notes/h-faults.md)."""
