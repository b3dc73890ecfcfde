"""Staff: full-time and part-time mental-health teachers, hired counsellors, homeroom teachers."""
