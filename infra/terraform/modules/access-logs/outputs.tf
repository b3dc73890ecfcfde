output "bucket" {
  description = "Name of the access-log bucket."
  value       = aws_s3_bucket.this.id
}
