"""Business logic as plain async functions, shared by the GraphQL schema and the console.

Nothing here imports Strawberry, Starlette or Jinja2. Functions take plain
values and the caller's `Actor`, return models or small results, and raise
`Refused` for expected failures.
"""
