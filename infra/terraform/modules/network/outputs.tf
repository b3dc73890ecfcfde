output "vpc_id" {
  description = "The province's VPC."
  value       = aws_vpc.this.id
}

output "cidr_block" {
  description = "The VPC's address range."
  value       = aws_vpc.this.cidr_block
}

output "public_subnet_ids" {
  description = "Subnets of the load balancer and the NAT gateways."
  value       = aws_subnet.public[*].id
}

output "app_subnet_ids" {
  description = "Private subnets of the API and worker tasks (outbound through NAT)."
  value       = aws_subnet.app[*].id
}

output "data_subnet_ids" {
  description = "Isolated subnets of PostgreSQL, RabbitMQ and Redis (no route out of the VPC)."
  value       = aws_subnet.data[*].id
}
