"""The HTMX admin console: thin Starlette views over gql.resolvers."""
