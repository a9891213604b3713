# The two commands of the README's Quick start. Both install whatever is missing first.
.PHONY: run test
run:
	@scripts/run.sh
test:
	@scripts/test.sh
