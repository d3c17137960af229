import pandas as pd
import pytest

from fraud.ml.backtest import Protocol, card_precision_top_k, evaluate, train_test_split


def test_card_precision_at_k_on_a_hand_checked_case():
    # day 0: cards A(.9 fraud) B(.8) C(.7 fraud; its second tx .1 genuine) -> top 2 = A, B -> 1/2
    # day 1: A is already detected and left out; C(.6 fraud) D(.5) E(.4 fraud) -> C, D -> 1/2
    days = [0, 0, 0, 0, 1, 1, 1, 1]
    cards = ["A", "B", "C", "C", "A", "C", "D", "E"]
    labels = [1, 0, 1, 0, 1, 1, 0, 1]
    scores = [.9, .8, .1, .7, .95, .6, .5, .4]
    mean, per_day = card_precision_top_k(days, cards, labels, scores, k=2)
    assert per_day == [0.5, 0.5]
    assert mean == 0.5
    # Without removing detected cards, A comes back on day 1: top 2 = A, C -> 2/2.
    _, kept = card_precision_top_k(days, cards, labels, scores, k=2, remove_detected=False)
    assert kept == [0.5, 1.0]


def test_card_precision_divides_by_k_even_with_fewer_cards():
    mean, per_day = card_precision_top_k([0, 0], ["A", "B"], [1, 1], [.5, .4], k=4)
    assert per_day == [0.5]


def _toy_log():
    rows = []
    start = pd.Timestamp("2018-07-25")
    for day in range(21):
        for card, fraud in [("A", day == 2), ("B", day == 8), ("C", day == 15), ("D", False)]:
            rows.append({"TX_DATETIME": start + pd.Timedelta(days=day, hours=10),
                         "CUSTOMER_ID": card, "TX_FRAUD": int(fraud), "TX_AMOUNT": 10.0})
    return pd.DataFrame(rows)


def test_split_removes_cards_known_to_be_compromised():
    train, test = train_test_split(_toy_log(), Protocol(start_training=pd.Timestamp("2018-07-25")))
    assert train["TX_DATETIME"].max() < pd.Timestamp("2018-08-01")
    assert test["TX_DATETIME"].min() >= pd.Timestamp("2018-08-08")
    assert "A" not in set(test["CUSTOMER_ID"])  # fraud during training
    # B's fraud on day 8 is added to the known cards for test day index 2 (7 + 2 - 1 = 8):
    # B is scored on test days 14 and 15 only.
    b_days = sorted(test.loc[test["CUSTOMER_ID"] == "B", "TX_TIME_DAYS"])
    assert b_days == [14, 15]
    # C's fraud happens during the test itself: C stays, its fraud row is scored.
    assert test.loc[test["CUSTOMER_ID"] == "C", "TX_FRAUD"].sum() == 1
    assert len(test[test["CUSTOMER_ID"] == "D"]) == 7


def test_evaluate_reports_the_three_metrics():
    _, test = train_test_split(_toy_log())
    perfect = test["TX_FRAUD"].to_numpy(float)
    result = evaluate(test, perfect, k=1)
    assert result.auc_roc == pytest.approx(1.0)
    assert result.average_precision == pytest.approx(1.0)
    assert result.card_precision_at_k == pytest.approx(1 / 7)  # one compromised card in 7 days
    assert result.n_test_frauds == 1
