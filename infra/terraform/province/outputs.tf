output "api_url" {
  description = "The GraphQL endpoint (through the load balancer's own name until DNS points the host here)."
  value       = module.api.url
}

output "load_balancer_dns_name" {
  description = "CNAME target for the API's host name."
  value       = module.api.load_balancer_dns_name
}

output "database_primary" {
  description = "The PostgreSQL primary's address."
  value       = module.database.primary_address
}

output "database_replicas" {
  description = "The streaming replicas' addresses."
  value       = module.database.replica_addresses
}

output "migrate_task_definition_arn" {
  description = "Run before each deployment (runbook: Deploy)."
  value       = module.worker.migrate_task_definition_arn
}

output "cluster_name" {
  description = "The ECS cluster."
  value       = aws_ecs_cluster.this.name
}

output "secret_arns" {
  description = "Secrets Manager ARNs of the deployment's connection settings."
  value       = module.secrets.secret_arns
}
