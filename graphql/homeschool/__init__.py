"""GraphQL of home-school work: HomeVisit, Tenant.homeVisits, homeVisitCreate/Update/Delete."""
