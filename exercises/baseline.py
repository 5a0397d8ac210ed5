"""Exercise 12 — baseline: a classical classifier before deep learning.

Before building a neural network, fit the simplest model that could work and
measure it. That number, the *baseline*, tells you what "good" means: a
network that reaches 91 % on MNIST sounds impressive until you learn that a
linear model reaches about the same in seconds.

Our baseline is *multinomial logistic regression*. Flatten each 28×28 image
into 784 numbers in [0, 1] (``normalise(flatten(images))``). For every class
``c`` the model computes a score ``w_c · x + b_c``, one weight per pixel,
and turns the ten scores into probabilities with the softmax. Training
adjusts the weights to make the probability of the right class large (it
minimises the cross-entropy, the same loss the networks use later). A
weight map ``w_c`` reshaped to 28×28 looks like a blurry template of digit
``c``: the model can only say "ink here is evidence for a 3"; it cannot
combine strokes into shapes. That is the limit deep networks break.

scikit-learn does all of it: ``sklearn.linear_model.LogisticRegression``.
Choices that matter:

* ``solver="lbfgs"`` fits all classes jointly with the softmax.
* ``max_iter``: lbfgs stops after this many steps. Too few and you get a
  ``ConvergenceWarning`` and a poorer model; the default 100 may just miss.
* ``C`` is the *inverse* strength of an L2 penalty on the weights. Smaller
  ``C`` shrinks the weights, which keeps the model from trusting single
  noisy pixels; it often *raises* held-out accuracy and makes lbfgs
  converge faster.
* ``random_state`` fixes any randomness so results are repeatable.

Fit on the training data only. The grader measures the accuracy on held-out
images the model never saw, because that is the only honest estimate of
how it will do on new digits; a model can score perfectly on its own
training set and still fail on new data. It also has a time budget: on 8,000
MNIST images a few seconds should do.

Check your work with `pixelgrade baseline`; stuck? `pixelgrade hint baseline`.
"""

import numpy as np


def fit_logistic(X, y):
    """Fit a multinomial logistic-regression classifier on flattened images.

    Parameters
    ----------
    X : (N, D) ndarray of float32
        The training images, flattened and scaled to ``[0, 1]``
        (``normalise(flatten(images))``).
    y : (N,) array_like of int
        The class of every image.

    Returns
    -------
    model : sklearn classifier
        The fitted classifier; ``model.predict`` takes held-out images in the
        same form as ``X`` and returns their predicted classes.
    """
    # TODO: import LogisticRegression from sklearn.linear_model and create
    # one: solver "lbfgs", a max_iter large enough to converge (watch for a
    # ConvergenceWarning), a C of your choice, a fixed random_state.
    # TODO: fit it on (X, y) and return the fitted model.
    raise NotImplementedError("fit_logistic: not started yet")
