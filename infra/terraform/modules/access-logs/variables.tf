variable "name" {
  description = "Name prefix of the province's resources."
  type        = string
}

variable "tags" {
  description = "Tags put on every resource."
  type        = map(string)
  default     = {}
}
