output "url" {
  description = "Where clients reach the API (point the host name of the certificate here)."
  value       = "https://${aws_lb.this.dns_name}/graphql"
}

output "load_balancer_dns_name" {
  description = "DNS name of the load balancer (CNAME target of the API's host name)."
  value       = aws_lb.this.dns_name
}

output "security_group_id" {
  description = "Security group of the API tasks (admitted by the database, broker and cache)."
  value       = aws_security_group.tasks.id
}

output "service_name" {
  description = "ECS service of the API (force a new deployment after a key rotation)."
  value       = aws_ecs_service.this.name
}

output "keys_file_system_id" {
  description = "EFS file system with the token signing key set."
  value       = aws_efs_file_system.keys.id
}

output "keys_access_point_id" {
  description = "Its access point (mount it in the `runxin keys` task)."
  value       = aws_efs_access_point.keys.id
}
