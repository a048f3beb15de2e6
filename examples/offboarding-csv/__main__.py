"""An HR export becomes removal requests: one PersonalDataRemoval per row of hr-export.csv."""

from pathlib import Path

import pulumi

from pulumi_personal_data.offboarding import declare_removals
from pulumi_personal_data.roster import load_roster

config = pulumi.Config("offboarding-csv")
export = Path(__file__).parent / (config.get("file") or "hr-export.csv")
removals = declare_removals(load_roster(export), fail_if_missing=config.get_bool("failIfMissing") or False)

pulumi.export("requested", pulumi.Output.all(*[r.user_id for r in removals]))
pulumi.export("statuses", pulumi.Output.all(*[r.status for r in removals]))
