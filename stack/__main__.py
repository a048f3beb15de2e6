"""Entry point of the root offboarding stack (Pulumi.yaml ``main: stack/``)."""

from pulumi_personal_data.offboarding import offboarding_program

offboarding_program()
