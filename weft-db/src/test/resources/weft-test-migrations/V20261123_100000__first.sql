-- description: First
-- up
CREATE TABLE x (id INT);
-- down
DROP TABLE x;
