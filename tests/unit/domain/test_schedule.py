"""A CronJob's schedule and time zone as the API server accepts them (robfig/cron v3's
ParseStandard, Go's strconv, time.ParseDuration and time.LoadLocation), with their words.

tests/e2e/test_cron_validation.py sends these tables to a real API server.
"""
import pytest

from kubectl_ijob.domain.schedule import (go_atoi, go_duration_error, go_fields, go_quote,
                                          schedule_error, time_zone_error)

ACCEPTED = [
    "* * * * *", "*/1 * * * *", "*/10 * * * *", "0 0 * * *", "59 23 31 12 6", "0-59 0-23 1-31 1-12 0-6",
    "1,2,3 * * * *", "1-10/3 * * * *", "5/15 * * * *", "? ? ? ? ?", "0 0 1 jan *", "0 0 * JAN-DEC *",
    "0 0 * * sun", "0 0 * * Mon-FRI", "0 0 * * FRİ",            # Go's ToLower maps İ to i
    "  0   0  *  *  *  ", "0\t0\t*\t*\t*", "0\u00a00 * * *",       # Go's white space
    "*-5 * * * *", "*-1-2 * * * *",                                  # robfig ignores what follows *-
    "1,,2 * * * *", ", * * * *", "+5 * * * *", "00 * * * *", "*/100 * * * *", "*/+2 * * * *",
    "@yearly", "@annually", "@monthly", "@weekly", "@daily", "@midnight", "@hourly",
    "@every 1h", "@every 1h30m", "@every 0", "@every -5s", "@every .5s", "@every 1.5h", "@every 1µs",
]

REJECTED = [
    ("", "Required value"),
    ("* * * *", "expected exactly 5 fields, found 4: [* * * *]"),
    ("* * * * * *", "expected exactly 5 fields, found 6: [* * * * * *]"),
    ("60 * * * *", "end of range (60) above maximum (59): 60"),
    ("* 24 * * *", "end of range (24) above maximum (23): 24"),
    ("* * 0 * *", "beginning of range (0) below minimum (1): 0"),
    ("* * 32 * *", "end of range (32) above maximum (31): 32"),
    ("* * * 13 *", "end of range (13) above maximum (12): 13"),
    ("* * * * 7", "end of range (7) above maximum (6): 7"),           # Sunday is 0 only
    ("5-1 * * * *", "beginning of range (5) beyond end of range (1): 5-1"),
    ("*/0 * * * *", "step of range should be a positive number: */0"),
    ("1-2-3 * * * *", "too many hyphens: 1-2-3"),
    ("*/2/3 * * * *", "too many slashes: */2/3"),
    ("*/-1 * * * *", "negative number (-1) not allowed: -1"),
    ("x * * * *", 'failed to parse int from x: strconv.Atoi: parsing "x": invalid syntax'),
    ("-5 * * * *", 'failed to parse int from : strconv.Atoi: parsing "": invalid syntax'),
    ("1_0 * * * *", 'failed to parse int from 1_0: strconv.Atoi: parsing "1_0": invalid syntax'),
    ("٣ * * * *", 'failed to parse int from ٣: strconv.Atoi: parsing "٣": invalid syntax'),
    ("99999999999999999999 * * * *", "failed to parse int from 99999999999999999999: "
     'strconv.Atoi: parsing "99999999999999999999": value out of range'),
    ("* * * jan-foo *", 'failed to parse int from foo: strconv.Atoi: parsing "foo": invalid syntax'),
    ("* * * * january", 'failed to parse int from january: strconv.Atoi: parsing "january": '
     "invalid syntax"),
    ("0 0 * * 1\x1c", 'failed to parse int from 1\x1c: strconv.Atoi: parsing "1\\x1c": invalid syntax'),
    ("@hourly ", "unrecognized descriptor: @hourly "),
    ("@HOURLY", "unrecognized descriptor: @HOURLY"),
    ("@every", "unrecognized descriptor: @every"),
    (" @hourly", "expected exactly 5 fields, found 1: [@hourly]"),
    ("@every 1x", 'failed to parse duration @every 1x: time: unknown unit "x" in duration "1x"'),
    ("@every 5", 'failed to parse duration @every 5: time: missing unit in duration "5"'),
    ("@every .s", 'failed to parse duration @every .s: time: invalid duration ".s"'),
    ("@every 1h ", 'failed to parse duration @every 1h : time: unknown unit "h " in duration "1h "'),
    ("TZ=UTC * * * * *", "cannot use TZ or CRON_TZ in schedule, use timeZone field instead"),
    ("CRON_TZ=Europe/Paris 0 0 * * *", "cannot use TZ or CRON_TZ in schedule, use timeZone field instead"),
]


@pytest.mark.parametrize("schedule", ACCEPTED)
def test_schedules_the_api_accepts(schedule):
    assert schedule_error(schedule) is None


@pytest.mark.parametrize("schedule,reason", REJECTED)
def test_schedules_the_api_refuses_with_its_reason(schedule, reason):
    assert schedule_error(schedule) == reason


@pytest.mark.parametrize("text,value,reason", [
    ("5", 5, ""), ("+5", 5, ""), ("-5", -5, ""), ("007", 7, ""), ("", 0, "invalid syntax"),
    ("+", 0, "invalid syntax"), ("5 ", 0, "invalid syntax"), ("9223372036854775807", 2**63 - 1, ""),
    ("9223372036854775808", 0, "value out of range"), ("-9223372036854775808", -2**63, ""),
    ("99999999999999999999x", 0, "value out of range"), ("1x99999999999999999999", 0, "invalid syntax"),
])
def test_go_atoi(text, value, reason):
    assert go_atoi(text) == (value, reason)


@pytest.mark.parametrize("text,reason", [
    ("1h", None), ("-1.5h", None), ("0", None), ("+0", None), ("2562047h", None),
    ("2562048h", 'time: invalid duration "2562048h"'), ("", 'time: invalid duration ""'),
    ("9223372036854775808ns9223372036854775808ns", None),  # Go's uint64 sum wraps to 0
    ("1é", 'time: unknown unit "\\xc3\\xa9" in duration "1\\xc3\\xa9"'),
])
def test_go_duration(text, reason):
    assert go_duration_error(text) == reason


def test_go_fields_and_quote():
    assert go_fields(" a\u3000b\x1cc ") == ["a", "b\x1cc"]
    assert go_quote('a"\x07é\u200b') == '"a\\"\\aé\\u200b"'


@pytest.mark.parametrize("zone,reason", [
    ("Europe/Paris", None), ("UTC", None), ("Etc/GMT+5", None), ("America/Argentina/Buenos_Aires", None),
    ("", "timeZone must be nil or non-empty string"), ("Local", "timeZone must be an explicit time "
     "zone as defined in https://www.iana.org/time-zones"), ("LOCAL", "timeZone must be an explicit "
     "time zone as defined in https://www.iana.org/time-zones"),
    ("Mars/Olympus", "unknown time zone Mars/Olympus"), ("europe/paris", "unknown time zone europe/paris"),
    ("Europe/Paris ", "unknown time zone Europe/Paris "), ("/Europe/Paris", "unknown time zone /Europe/Paris"),
    ("America", "is a directory"), ("zone.tab", "malformed time zone information"),
    ("Europe/a..b", "time: invalid location name"), ("Europe/../UTC", "unknown time zone Europe/../UTC"),
    ("America/Argentina_Buenos_Aires_X", "unknown time zone America/Argentina_Buenos_Aires_X"),
])
def test_time_zones(zone, reason):
    assert time_zone_error(zone) == reason
