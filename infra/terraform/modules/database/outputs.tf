output "primary_address" {
  description = "Host name of the primary (writes, personal-data reads)."
  value       = aws_db_instance.primary.address
}

output "replica_addresses" {
  description = "Host names of the streaming replicas (oversight reads)."
  value       = aws_db_instance.replica[*].address
}

output "security_group_id" {
  description = "The database's security group."
  value       = aws_security_group.this.id
}

output "primary_identifier" {
  description = "RDS identifier of the primary (for restores and snapshots)."
  value       = aws_db_instance.primary.identifier
}
