"""lib.checks: declared constraints, and the one error format."""

from numbers import Integral, Real

import numpy as np
import pytest

from lib.checks import (
    Boolean,
    InstanceOf,
    Interval,
    InvalidParameterError,
    Options,
    Pair,
    as_float_array,
    check_finite,
    check_param,
    check_params,
)


@pytest.mark.parametrize(("constraint", "good", "bad"), [
    (Interval(Real, 0, None, closed="neither"), [1e-9, 3, np.float64(0.5)], [0, -1.0, np.inf, np.nan, True, "1"]),
    (Interval(Real, 0, 1, closed="left"), [0, 0.999], [1, 1.5, -0.1]),
    (Interval(Integral, 1, None), [1, np.int64(7)], [0, 1.0, False]),
    (Options("lstsq", "gd"), ["gd"], ["GD", None, 1]),
    (Boolean(), [True, np.bool_(False)], [1, "yes", None]),
    (InstanceOf(dict, "a dict"), [{}], [[]]),
    (Pair(Interval(Real, 0, 1, closed="left")), [(0.9, 0.999), [0, 0.5], np.array([0.1, 0.2])],
     [0.9, (0.9,), (0.9, 0.99, 0.999), (1.0, 0.5), (0.5, np.nan), ("0.9", 0.5), np.array([[0.1, 0.2]])]),
])
def test_constraints_accept_and_refuse(constraint, good, bad):
    assert all(constraint.is_satisfied_by(value) for value in good)
    assert not any(constraint.is_satisfied_by(value) for value in bad)


def test_one_error_format_names_owner_argument_expectation_and_value():
    with pytest.raises(InvalidParameterError, match=r"^SGD: lr must be a real number in \(0, inf\), got -0.1; "
                                                     r"try 0.01$"):
        check_param("SGD", "lr", -0.1, [Interval(Real, 0, None, closed="neither", hint="try 0.01")])
    with pytest.raises(ValueError, match=r"^f: mode must be one of 'a', 'b' or None, got 'c'$"):
        check_param("f", "mode", "c", [Options("a", "b"), None])
    with pytest.raises(TypeError):  # InvalidParameterError is both
        check_params("f", {"flag": 1}, {"flag": [Boolean()]})
    check_params("f", {"flag": True, "unchecked": object()}, {"flag": [Boolean()], "absent": [Boolean()]})


def test_checked_values_come_back_as_plain_python_values():
    constraints = {"lr": [Interval(Real, 0, None, closed="neither")], "steps": [Interval(Integral, 1, None)],
                   "flag": [Boolean()], "betas": [Pair(Interval(Real, 0, 1, closed="left"))],
                   "mode": [Options("a", "b"), None]}
    checked = check_params("f", {"betas": np.array([0.5, 0.9]), "flag": np.bool_(True), "steps": np.int64(3),
                                 "lr": 1, "mode": None, "other": "unchecked"}, constraints)
    assert checked == {"lr": 1.0, "steps": 3, "flag": True, "betas": (0.5, 0.9), "mode": None}
    assert list(checked) == ["lr", "steps", "flag", "betas", "mode"]  # the declared order
    assert [type(value) for value in checked.values()] == [float, int, bool, tuple, type(None)]
    assert all(type(beta) is float for beta in checked["betas"])


def test_a_pair_names_what_each_entry_must_be():
    with pytest.raises(InvalidParameterError, match=r"^Adam: betas must be a pair, each a real number in \[0, 1\), "
                                                     r"got \(0.9, 1.0\); beta2 < 1$"):
        check_param("Adam", "betas", (0.9, 1.0), [Pair(Interval(Real, 0, 1, closed="left"), hint="beta2 < 1")])


def test_arrays():
    x = np.arange(3.0)
    assert as_float_array("f", "x", x) is x
    assert as_float_array("f", "x", [1, 2]).dtype == np.float64
    with pytest.raises(InvalidParameterError, match=r"^f: x must be an array of real numbers, got 'dtype <U1'$"):
        as_float_array("f", "x", ["a"])
    with pytest.raises(InvalidParameterError, match="ragged|inhomogeneous"):
        as_float_array("f", "x", [[1.0], [1.0, 2.0]])
    check_finite("f", "x", x)
    with pytest.raises(ValueError, match=r"^f: x must be finite, got NaN or inf \(first at index \(1,\), value nan\)"
                                         r"; lower lr$"):
        check_finite("f", "x", np.array([0.0, np.nan, np.inf]), hint="lower lr")
    with pytest.raises(ValueError, match=r"first at the value"):
        check_finite("f", "b", np.array(np.inf))


def test_an_entry_of_a_dict_is_named_by_its_key():
    with pytest.raises(ValueError, match=r"^f: grad\['w'\] must be finite, got NaN or inf \(first at index \(0, 1\)"):
        check_finite("f", "grad", np.array([[0.0, -np.inf]]), key="w")
    with pytest.raises(InvalidParameterError, match=r"^f: theta\[0\] must be an array of real numbers, got 'dtype"):
        as_float_array("f", "theta", ["a"], key=0)


def test_check_finite_raises_the_error_class_it_is_given():
    class NonFinite(ValueError):
        pass

    with pytest.raises(NonFinite, match=r"^f: g must be finite, got NaN or inf \(first at index \(0, 1\)"):
        check_finite("f", "g", np.array([[0.0, -np.inf]]), error=NonFinite)
