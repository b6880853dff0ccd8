"""Herald's infrastructure as code: CloudFormation built from the stage's
values in `.chalice/config.json`.

`template.resources_template` is everything Chalice does not create (one
stack in the `chalice deploy` path); `package.merge_template` adds the wiring
that `chalice package --merge-template` needs to make one SAM template per
stage. Never deployed to Lambda (lives outside chalicelib/).
"""
