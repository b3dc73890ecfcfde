"""School profiles: stage, enrolment per school year, rank, scale, cluster, vocational flag."""
