# Sourced by the CI scripts: run_pytest runs pytest and fails the job on any failure. Exit status 5 (no tests
# collected) fails it too, with its own message: a job whose tests are all gone (a renamed file, a broken
# glob) must not pass.
run_pytest() {
    local status=0
    "$@" || status=$?
    if [ "$status" -eq 5 ]; then
        echo "CI: pytest ran no tests ($*): a job whose tests are gone (a renamed file, a broken glob) must not pass" >&2
        return 1
    fi
    if [ "$status" -ne 0 ]; then
        echo "CI: pytest failed with exit status $status ($*)" >&2
    fi
    return "$status"
}
