"""Queries sent through our gateway and Hive Gateway in the comparison tests (and the bench).

Each case: an id, who asks (a key of PRINCIPALS), the query, and its variables. They cover
entity jumps, nested lists, fragments, inline fragments, aliases, variables, @include/@skip,
__typename and errors (NOT_FOUND, FORBIDDEN, validation, bad input).
"""

# ruff: noqa: E501  (one query per line reads best)
from __future__ import annotations

from typing import Any

from learnpulse.auth import Principal, principal_for

REPORTS = ("lrn-1", "lrn-2", "lrn-3", "lrn-4")
PRINCIPALS: dict[str, Principal] = {
    "manager": principal_for("demo", "mgr-1", ["manager", "learner"], REPORTS),
    "learner": principal_for("demo", "lrn-1", ["learner"]),
    "hr": principal_for("demo", "hr-1", ["hr_admin", "learner"]),
    "outsider": principal_for("acme", "acme-lrn-1", ["learner"]),
}

COURSE_FIELDS = "fragment CourseFields on Course { id title status tags durationMinutes }"
LEARNER_CARD = "fragment Card on Learner { id name role shift location managerId hireDate }"

Case = tuple[str, str, str, dict[str, Any]]

CASES: list[Case] = [
    # root fields of each subgraph
    ("course", "manager", '{ course(id: "c-safety") { id title summary status version tags } }', {}),
    ("course-units", "manager", '{ course(id: "c-safety") { units { id title kind expectedMinutes position } } }', {}),
    ("course-duration", "manager", '{ course(id: "c-service") { title durationMinutes } }', {}),
    ("courses-page", "manager", "{ courses(first: 2) { totalCount pageInfo { hasNextPage endCursor } edges { cursor node { id title } } } }", {}),
    ("courses-all", "hr", "{ courses { edges { node { id title status } } } }", {}),
    ("courses-by-tag", "manager", '{ courses(tag: "onboarding") { totalCount edges { node { id tags } } } }', {}),
    ("courses-search", "manager", '{ courses(search: "privacy") { edges { node { id title } } } }', {}),
    ("courses-status", "manager", "{ courses(status: DRAFT) { edges { node { id status } } } }", {}),
    ("paths", "manager", "{ learningPaths { id title milestones { title courseIds dueAfterDays } } }", {}),
    ("path-courses", "manager", '{ learningPath(id: "p-onboarding") { title courses { id title units { id kind } } } }', {}),
    ("milestone-courses", "manager", '{ learningPath(id: "p-service") { milestones { title courses { id title } } } }', {}),
    ("unit-course", "manager", '{ course(id: "c-privacy") { units { id course { id title } } } }', {}),
    ("learner", "manager", '{ learner(id: "lrn-1") { id name role department shift location managerId hireDate } }', {}),
    ("me", "learner", "{ me { id name } }", {}),
    ("me-manager", "manager", "{ me { id name enrollments { pathId status } } }", {}),
    ("team", "manager", "{ team { totalCount pageInfo { hasNextPage endCursor } edges { cursor node { id name } } } }", {}),
    ("team-page", "hr", "{ team(first: 2) { totalCount pageInfo { hasNextPage } edges { node { id } } } }", {}),
    ("activity", "manager", '{ learner(id: "lrn-2") { recentActivity(limit: 5) { id verb courseId unitId durationS score success attempt } } }', {}),
    ("trajectory", "manager", '{ learner(id: "lrn-3") { trajectory(days: 60) { profile { learnerId tenantId role hireDate leftAt } events { verb courseId unitId success } } } }', {}),
    # entity jumps from progress into catalog, nested in lists
    ("jump-course", "manager", '{ learner(id: "lrn-1") { enrollments { courses { percent status course { id title } } } } }', {}),
    ("jump-path", "manager", '{ learner(id: "lrn-1") { enrollments { pathId path { id title } } } }', {}),
    ("jump-deep", "manager", '{ learner(id: "lrn-3") { enrollments { path { title milestones { title courses { id units { id title } } } } } } }', {}),
    ("jump-team", "manager", "{ team { edges { node { id enrollments { progress path { title courses { id title } } } } } } }", {}),
    ("jump-team-courses", "hr", "{ team(first: 10) { edges { node { name enrollments { courses { completedUnits totalUnits course { title durationMinutes units { position } } } } } } } }", {}),
    ("jump-unit-back", "manager", '{ learner(id: "lrn-4") { enrollments { courses { course { units { id course { id title } } } } } } }', {}),
    ("jump-and-root", "manager", '{ course(id: "c-safety") { title } learner(id: "lrn-2") { name enrollments { path { id title } } } }', {}),
    ("jump-only-key", "manager", '{ learner(id: "lrn-1") { enrollments { courses { course { id } } } } }', {}),
    ("jump-units", "manager", '{ learner(id: "lrn-1") { units { status dwellS replays passed unit { id title kind course { id title } } } } }', {}),
    ("milestones", "manager", '{ learner(id: "lrn-3") { enrollments { completedAt milestones { title doneUnits totalUnits completed } } } }', {}),
    # a union root field, resolved by __typename
    ("union-node", "manager", '{ c: node(id: "c-safety") { __typename ... on Course { title } } p: node(id: "p-service") { ... on LearningPath { title courses { id } } } u: node(id: "u-safety-1") { ... on Unit { title position } } }', {}),
    # fragments, inline fragments, typename
    ("fragment", "manager", COURSE_FIELDS + ' { course(id: "c-safety") { ...CourseFields } }', {}),
    ("fragment-across-jump", "manager", COURSE_FIELDS + ' { learner(id: "lrn-1") { enrollments { courses { course { ...CourseFields } } } } }', {}),
    ("fragment-learner", "manager", LEARNER_CARD + ' { learner(id: "lrn-2") { ...Card } me { ...Card } }', {}),
    ("fragment-nested", "manager", COURSE_FIELDS + " fragment PathFields on LearningPath { id title courses { ...CourseFields } } { learningPaths { ...PathFields } }", {}),
    ("inline-fragment", "manager", '{ learner(id: "lrn-1") { ... on Learner { name enrollments { ... on Enrollment { status } } } } }', {}),
    ("inline-no-condition", "manager", '{ course(id: "c-privacy") { ... { id title } units { ... { kind } } } }', {}),
    ("typename", "manager", '{ __typename learner(id: "lrn-1") { __typename enrollments { __typename courses { __typename course { __typename id title } } } } }', {}),
    ("typename-only-jump", "manager", '{ learner(id: "lrn-1") { enrollments { path { __typename } } } }', {}),
    ("typename-connection", "manager", "{ courses(first: 1) { __typename edges { __typename node { __typename } } pageInfo { __typename } } }", {}),
    # aliases
    ("aliases", "manager", '{ a: learner(id: "lrn-1") { name } b: learner(id: "lrn-2") { name } }', {}),
    ("aliases-jump", "manager", '{ learner(id: "lrn-1") { enrollments { p: path { t: title } courses { c: course { label: title id } } } } }', {}),
    ("aliases-same-field", "manager", '{ course(id: "c-safety") { short: title long: summary title } }', {}),
    ("aliases-args", "manager", '{ learner(id: "lrn-1") { last: recentActivity(limit: 1) { verb } few: recentActivity(limit: 3) { verb } } }', {}),
    ("aliases-roots", "manager", '{ s: course(id: "c-safety") { title } p: course(id: "c-privacy") { title } none: course(id: "c-nope") { title } }', {}),
    # variables and directives
    ("variables", "manager", "query Q($id: ID!) { learner(id: $id) { name } }", {"id": "lrn-3"}),
    ("variables-default", "manager", "query Q($n: Int = 2) { courses(first: $n) { edges { node { id } } } }", {}),
    ("variables-enum", "manager", "query Q($s: CourseStatus) { courses(status: $s) { totalCount } }", {"s": "PUBLISHED"}),
    ("variables-jump", "manager", "query Q($id: ID!, $limit: Int!) { learner(id: $id) { recentActivity(limit: $limit) { verb } enrollments { path { title } } } }", {"id": "lrn-1", "limit": 2}),
    ("include-true", "manager", 'query Q($with: Boolean!) { learner(id: "lrn-1") { name enrollments @include(if: $with) { pathId } } }', {"with": True}),
    ("include-false", "manager", 'query Q($with: Boolean!) { learner(id: "lrn-1") { name enrollments @include(if: $with) { pathId } } }', {"with": False}),
    ("skip-jump", "manager", 'query Q($skip: Boolean!) { learner(id: "lrn-1") { enrollments { path @skip(if: $skip) { title } pathId } } }', {"skip": True}),
    ("skip-inside-jump", "manager", 'query Q($skip: Boolean!) { learner(id: "lrn-1") { enrollments { path { id title @skip(if: $skip) } } } }', {"skip": True}),
    ("include-fragment", "manager", COURSE_FIELDS + ' query Q($f: Boolean!) { course(id: "c-safety") { id ...CourseFields @include(if: $f) } }', {"f": False}),
    ("named-operation", "manager", 'query A { me { id } } query B { course(id: "c-safety") { title } }', {}),
    # heatmap and ROI: rows jump to catalog units, paths to catalog paths
    ("heatmap-units", "hr", '{ heatmap(groupBy: ROLE, pathId: "p-onboarding") { groupBy minGroupSize groups { key suppressed } rows { unitId expectedMinutes unit { id title kind } cells { group suppressed learners } } retakeBuckets { label suppressed } } }', {}),
    ("roi-paths", "manager", "{ roi { minGroupSize assumptions { minutesPerSignIn } overall { learners completion { completed } } paths { pathId path { id title } figures { learners } } } }", {}),
    # errors
    ("forbidden-heatmap", "learner", "{ heatmap { groups { key } } }", {}),
    ("bad-input-window", "hr", '{ roi(since: "2026-01-02T00:00:00Z", until: "2026-01-01T00:00:00Z") { overall { learners } } }', {}),
    ("not-found-course", "manager", '{ course(id: "c-missing") { id title } }', {}),
    ("not-found-learner", "manager", '{ learner(id: "nobody") { id name } }', {}),
    ("forbidden-learner", "learner", '{ learner(id: "lrn-2") { id name } }', {}),
    ("forbidden-trajectory", "learner", '{ learner(id: "lrn-1") { name trajectory { events { verb } } } }', {}),
    ("forbidden-partial", "learner", '{ me { name } other: learner(id: "lrn-3") { name } course(id: "c-safety") { title } }', {}),
    ("other-tenant", "outsider", '{ learner(id: "lrn-1") { name } course(id: "c-safety") { title } me { name enrollments { path { title } } } }', {}),
    ("bad-input", "manager", "{ courses(first: 1000) { totalCount } }", {}),
    ("bad-input-limit", "manager", '{ learner(id: "lrn-1") { recentActivity(limit: 0) { verb } } }', {}),
    ("validation-unknown-field", "manager", "{ course(id: \"c-safety\") { nope } }", {}),
    ("validation-missing-arg", "manager", "{ course { id } }", {}),
    ("validation-variable-type", "manager", "query Q($id: Int) { learner(id: $id) { name } }", {"id": 1}),
    ("validation-bad-variable", "manager", "query Q($id: ID!) { learner(id: $id) { name } }", {}),
    ("parse-error", "manager", "{ learner(id: ", {}),
]  # fmt: skip
