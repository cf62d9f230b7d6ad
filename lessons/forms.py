"""The forms of the lesson pages."""

from typing import TYPE_CHECKING

from django import forms

if TYPE_CHECKING:
    # Only a type: the browser runtime imports the views without the
    # catalogs' YAML.
    from lessons.exercise_catalog import Prediction

NO_MORE = "No more signals"


class PredictionForm(forms.Form):
    """A prediction: one step per field, in order, the unused ones left on
    "No more signals". Leaving them all there predicts that nothing is sent."""

    def __init__(self, prediction: "Prediction", *args, **kwargs):
        super().__init__(*args, **kwargs)
        options = [("", NO_MORE), *((step, step) for step in prediction.choices)]
        for number in range(1, prediction.slots + 1):
            self.fields[f"step_{number}"] = forms.ChoiceField(
                label=f"Step {number}", choices=options, required=False
            )

    def clean(self):
        cleaned = super().clean()
        steps = [cleaned.get(name, "") for name in self.fields]
        if "" in steps:
            gap = steps.index("")
            if any(steps[gap:]):
                raise forms.ValidationError(
                    f"Step {gap + 1} is empty but a later step is not: fill the steps from "
                    "step 1 down, with no gap."
                )
        cleaned["steps"] = [step for step in steps if step]
        return cleaned
