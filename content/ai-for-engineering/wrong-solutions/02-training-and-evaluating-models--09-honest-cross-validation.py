# Plausible wrong solution: adds a pipeline (with scaling) but still selects features on all
# rows before cross-validation, so the selection leaks the validation folds' labels.
from sklearn.feature_selection import SelectKBest, f_classif
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import StratifiedKFold, cross_val_score
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler


def honest_cv_auc(X, y, k=10):
    X_selected = SelectKBest(f_classif, k=k).fit_transform(X, y)
    model = make_pipeline(StandardScaler(), LogisticRegression(max_iter=1000))
    cv = StratifiedKFold(n_splits=5, shuffle=True, random_state=0)
    return float(cross_val_score(model, X_selected, y, cv=cv, scoring="roc_auc").mean())
