"""Small-board Go: the engine (`envs.go.engine`) and the move evaluator (`envs.go.evaluator`).

Kept empty of imports so that `import envs.go` does not load numba.
"""
