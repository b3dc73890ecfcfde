output "security_group_id" {
  description = "Security group of the worker tasks (admitted by the database, broker and cache)."
  value       = aws_security_group.tasks.id
}

output "service_name" {
  description = "ECS service of the workers."
  value       = aws_ecs_service.worker.name
}

output "migrate_task_definition_arn" {
  description = "Run it once before deploying a new image: runxin db upgrade as the tables' owner."
  value       = aws_ecs_task_definition.migrate.arn
}

output "worker_task_definition_arn" {
  description = "The worker task definition (also for one-off commands: rollup --full --check)."
  value       = aws_ecs_task_definition.worker.arn
}
