output "primary_address" {
  description = "Host name of the group's primary endpoint (follows failover)."
  value       = aws_elasticache_replication_group.this.primary_endpoint_address
}

output "security_group_id" {
  description = "The cache's security group."
  value       = aws_security_group.this.id
}
