"""The tenant tree (city → county → school): nodes, materialised paths, effective-dated parents.

It lives in platform because every domain and the indicator engine stand on it; deciding what a
principal may see of it is the business of `runxin.tenants`.
"""
