# The two commands of the README's Quick start. Both install whatever is missing first.
.PHONY: run test bench
run:
	@scripts/run.sh
test:
	@scripts/test.sh
# Not part of the Quick start: the measured runs behind BENCHMARKS.md.
bench:
	@scripts/bench.sh
