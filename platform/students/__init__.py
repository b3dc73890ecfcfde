"""Student files (一生一档): one per student, kept at the school and never shown above it."""
