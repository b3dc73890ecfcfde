output "api_service" {
  description = "In-cluster address of the GraphQL API (POST /graphql)."
  value       = "${kubernetes_service_v1.api.metadata[0].name}.${var.namespace}.svc.cluster.local"
}
