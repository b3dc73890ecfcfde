"""Training programmes, sessions, attendance and continuing-education credits."""
