"""Exercise 14 — training: a CNN that recognises digits it has never seen.

This time there is no recipe to copy: build and train any network you like,
as long as it classifies *new* handwritten digits well enough, and fast
enough. The grader gives your ``train_cnn`` only the training images. Then
it shows the returned model images that were held out, images the model
never saw during training, and measures the accuracy there. Why not
measure on the training images? A network with hundreds of thousands of
weights can simply memorise 8,000 images and score 100 % on them while
failing on the next digit somebody writes. Only data kept out of training
tells you how the model *generalises*, which is all we care about.

What goes into a good small digit classifier:

* **Prepare the inputs.** ``x_train`` is ``(N, H, W)`` uint8 in 0..255. The
  model must take ``normalise(add_channel_axis(x))``: float32 in [0, 1] of
  shape ``(N, H, W, 1)``. Scale your training images the same way (networks
  train badly on 0..255). Take ``H`` and ``W`` from the data, not from
  MNIST: the grader may also use scikit-learn's 8 × 8 digits.
* **Labels.** Use ``num_classes = max(10, y_train.max() + 1)`` outputs with a
  softmax, so the model returns class probabilities. Either one-hot encode
  the labels for ``categorical_crossentropy`` or keep the integers and use
  ``sparse_categorical_crossentropy`` (the same loss, without the one-hot
  detour).
* **Architecture.** A couple of ``Conv2D`` layers with ``padding="same"``
  and relu, each followed by ``MaxPooling2D(2)``, then ``Flatten``, a little
  ``Dropout``, a ``Dense`` layer and the softmax output. More filters learn
  more but cost time: the grader runs on a 2-core CPU with a time budget.
  (An 8 × 8 image can only be pooled twice, 8 → 4 → 2.)
* **Training.** ``model.fit(x, y, epochs=..., batch_size=...)``: an epoch is
  one pass over the training data. Watch the training accuracy rise; then
  check the accuracy on images you held back yourself (``validation_split``
  or your own split). If training accuracy goes on rising while held-out
  accuracy stalls, the model is starting to memorise: more epochs will not
  help, more dropout or more varied data might.
* **More varied data.** A digit shifted by two pixels is still the same
  digit. ``keras.layers.RandomTranslation`` shifts the training images at
  random (and does nothing at prediction time), so the network sees a
  slightly different data set in every epoch.
* **Repeatable.** Call ``keras.utils.set_random_seed(seed)`` before building
  the model, so the same seed gives the same weights.

Import Keras inside the function, so that this file can be imported on a
machine without TensorFlow.

Check your work with `pixelgrade training`; stuck? `pixelgrade hint training`.
"""

import numpy as np


def train_cnn(x_train, y_train, *, seed=0):
    """Build and train a convolutional network on digit images.

    Parameters
    ----------
    x_train : (N, H, W) ndarray of uint8
        The training images, values 0..255.
    y_train : (N,) array_like of int
        The class of every training image.
    seed : int, optional
        Seed of all randomness (weights, shuffling, dropout, augmentation).

    Returns
    -------
    model : keras.Model
        A trained model that maps ``normalise(add_channel_axis(x))``, float32
        of shape ``(M, H, W, 1)`` in [0, 1], to class probabilities of shape
        ``(M, num_classes)``, ``num_classes = max(10, y_train.max() + 1)``.
    """
    # TODO: `import keras` here, inside the function (not at the top of the
    # file), so that the module still imports where TensorFlow is missing.
    # TODO: fix the randomness: keras.utils.set_random_seed(seed).
    # TODO: prepare the inputs: float32, divided by 255, with a channel axis
    # (N, H, W, 1); labels as integers (or one-hot).
    # TODO: build a small CNN for input shape (H, W, 1) and num_classes
    # outputs with softmax, and compile it.
    # TODO: fit it on the training data (choose epochs and batch size so that
    # it trains in well under a minute on a 2-core CPU) and return the model.
    raise NotImplementedError("train_cnn: not started yet")
