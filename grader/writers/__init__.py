"""The report writers: they only serialise results (a learner's report, a batch's gradebook)."""
