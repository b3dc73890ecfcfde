output "kms_key_arn" {
  description = "The deployment's customer-managed KMS key."
  value       = aws_kms_key.this.arn
}

output "owner_password" {
  description = "Password of runxin_owner, the database's master user (owner of the tables)."
  value       = random_password.owner.result
  sensitive   = true
}

output "broker_password" {
  description = "Password of the broker user runxin."
  value       = random_password.broker.result
  sensitive   = true
}

output "cache_auth_token" {
  description = "Redis AUTH token."
  value       = random_password.cache.result
  sensitive   = true
}

output "secret_arns" {
  description = "Secrets Manager ARNs by name: database-url, database-replica-url, migration-database-url, broker-url, redis-url, app-role-password."
  value       = { for name, secret in aws_secretsmanager_secret.this : name => secret.arn }
}
