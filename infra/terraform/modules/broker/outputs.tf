output "endpoint" {
  description = "amqps://HOST:5671 of the cluster (credentials are added in the broker-url secret)."
  value       = aws_mq_broker.this.instances[0].endpoints[0]
}

output "security_group_id" {
  description = "The broker's security group."
  value       = aws_security_group.this.id
}
